import { describe, it, expect } from 'vitest';
import { plainText } from '../src/cli/plain.js';

describe('plainText (Slack references on the terminal)', () => {
  it('shows channels, users, broadcasts and links readably', () => {
    expect(plainText('rule · billing · <#C0OPS> · medium')).toBe('rule · billing · #C0OPS · medium');
    expect(plainText('to <#C0OPS|support-ops> by <@U042>')).toBe('to #support-ops by @U042');
    expect(plainText('<!here> SL is down')).toBe('@here SL is down');
    expect(plainText('see <https://example.com/a?b=1|the runbook>')).toBe('see the runbook (https://example.com/a?b=1)');
  });

  it('leaves other angle brackets alone (comparisons, customer text)', () => {
    expect(plainText('sl < 75 for 2 intervals; x > 3; <not a ref>')).toBe('sl < 75 for 2 intervals; x > 3; <not a ref>');
  });
});
