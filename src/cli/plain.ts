/**
 * Slack mrkdwn references in terminal text: commands render channel and user mentions the way Slack
 * shows them (`<#C0OPS>`, `<#C0OPS|support-ops>`, `<@U123>`, `<!here>`, `<https://…|label>`); a terminal
 * gets the readable form (`#C0OPS`, `#support-ops`, `@U123`, `@here`, `label (https://…)`).
 */
export function plainText(text: string): string {
  return text.replace(/<([#@!])([A-Za-z0-9_^-]+)(?:\|([^<>]*))?>/g, (_m, sigil: string, id: string, label?: string) => {
    const name = label || id;
    return `${sigil === '!' ? '@' : sigil}${name.replace(/^[#@]/, '')}`;
  }).replace(/<((?:https?|mailto):[^<>|]+)(?:\|([^<>]*))?>/g, (_m, url: string, label?: string) => (label ? `${label} (${url})` : url));
}
