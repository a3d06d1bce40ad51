import { it, expect } from 'vitest';
import { matchedPhrases, tokenize } from '../src/engines/risk/text.js';
import { explainContributions } from '../src/engines/risk/explain.js';

it('finds the phrases a customer actually wrote, in order, once each', () => {
  const text = 'This is the THIRD time I write. I will cancel and call my lawyer. Third time!! Still waiting, cancellation now.';
  expect(matchedPhrases(tokenize(text))).toEqual(['third time', 'cancel', 'lawyer', 'still waiting', 'cancellation']);
  expect(matchedPhrases(tokenize('Thanks for the quick help, all good'))).toEqual([]);
});

it('a reason names the phrases found, not the lexicon examples', () => {
  const names = ['escalation_phrases', 'sentiment', 'transfers'];
  const x = [4, 0, 2];
  const phi = [0.9, 0.2, 0.5];
  const reasons = explainContributions(names, x, phi, { phrases: ['third time', 'cancel', 'lawyer', 'still waiting'] });
  expect(reasons[0]).toMatchObject({ key: 'escalation_phrases', arrow: '↑', text: '4 escalation phrases: "third time", "cancel", "lawyer", …' });
  expect(reasons.find((r) => r.key === 'sentiment')?.text).toBe('neutral tone, no thanks or praise');
  // Without the phrases the reason still reads sensibly.
  expect(explainContributions(names, x, phi)[0].text).toMatch(/^4 escalation phrases/);
});
