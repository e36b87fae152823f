import { describe, expect, it } from 'vitest';
import { estimatePromptTokens, preloadEncoders } from '../../../../../server/targets/llm-router/tokens/index.js';
import { countTokens, getEncoder } from '../../../../../server/targets/llm-router/tokens/encoders.js';

/** Random CJK ideographs with no punctuation: one pre-token for byte-level BPE (the quadratic case). */
function randomCjk(chars: number, seed = 1): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < chars; i++) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    s += String.fromCharCode(0x4e00 + (x % 20_000));
  }
  return s;
}

const exact = (text: string) => countTokens(getEncoder('o200k_base'), text);
const english = 'The quick brown fox jumps over the lazy dog. ';
const chinese = '敏捷的棕色狐狸跳过了懒狗。';

describe('token estimate: bounded CPU whatever the input', () => {
  preloadEncoders();
  const hostile: Array<[string, unknown]> = [
    ['24 KB random CJK', { input: randomCjk(8_000) }],
    ['1 MB random CJK', { input: randomCjk(350_000) }],
    ['random CJK cut into 90-byte runs', { input: Array.from({ length: 3_000 }, (_, i) => randomCjk(29, i) + '。').join('') }],
    ['200 KB of Chinese sentences', { input: chinese.repeat(5_000) }],
    ['1 MB of English', { input: english.repeat(23_000) }],
    ['uppercase run', { input: 'A'.repeat(500_000) + '1' }],
    ['digit run', { input: '7'.repeat(500_000) }],
    ['whitespace run', { input: ' '.repeat(500_000) + 'x' }],
    ['punctuation run', { input: '!?'.repeat(250_000) }],
    ['10,000 messages', { messages: Array.from({ length: 10_000 }, (_, i) => ({ role: 'user', content: randomCjk(30, i) })) }],
  ];
  // CPU time, not wall time: the bound is about work done, and a shared test machine stretches wall time.
  it.each(hostile)('%s: estimated within 100 ms of CPU (old sampler: seconds)', (_name, request) => {
    estimatePromptTokens(request, 'gpt-4o'); // first run pays for JIT compilation of this shape
    const started = process.cpuUsage();
    const estimate = estimatePromptTokens(request, 'gpt-4o');
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(100);
    expect(estimate).toBeGreaterThan(0);
  });
});

describe('token estimate: an upper bound of the exact BPE count', () => {
  it.each([
    ['English', english.repeat(40)],
    ['Chinese sentences', chinese.repeat(40)],
    ['random CJK (one 900-byte pre-token)', randomCjk(300)],
    ['code', 'function f(a, b) {\n  return a.map((x) => x * b); // 42\n}\n'.repeat(20)],
    ['emoji and accents', 'héllo wörld 👋🏽 ça va? '.repeat(30)],
    ['special-token markers', '<|endoftext|><|im_start|>user\n'.repeat(20)],
  ])('%s: estimate ≥ exact, and exact when small', (_name, text) => {
    for (const model of ['gpt-4o', 'gpt-4']) {
      const encoding = model === 'gpt-4o' ? 'o200k_base' : 'cl100k_base';
      const real = countTokens(getEncoder(encoding), text);
      const est = estimatePromptTokens({ input: text }, model);
      expect(est).toBeGreaterThanOrEqual(real);
      if (Buffer.byteLength(text) < 96 * 20) expect(est === real || est <= Buffer.byteLength(text)).toBe(true);
    }
  });

  it('ordinary text is counted exactly (no long pre-tokens, within the time budget)', () => {
    for (const text of [english.repeat(40), chinese.repeat(40)]) expect(estimatePromptTokens({ input: text }, 'gpt-4o')).toBe(exact(text));
  });

  it('cannot be steered low by placing cheap text where a sampler would look', () => {
    // The old estimator encoded four 1 KB slices (start, thirds, end) and scaled: English there, CJK between.
    const filler = chinese.repeat(600);
    const text = english.repeat(25) + filler + english.repeat(25) + filler + english.repeat(25) + filler + english.repeat(25);
    expect(estimatePromptTokens({ input: text }, 'gpt-4o')).toBeGreaterThanOrEqual(exact(text));
  });

  it('a long random-CJK run counts at most one token per byte, at least the exact count', () => {
    const text = randomCjk(600);
    const est = estimatePromptTokens({ input: text }, 'gpt-4o');
    expect(est).toBe(Buffer.byteLength(text));
    expect(est).toBeGreaterThanOrEqual(exact(text));
  });

  it('non-OpenAI models: never below UTF-8 bytes / 4, the stated factor', () => {
    for (const text of [english.repeat(10), randomCjk(1_000), chinese.repeat(10)]) {
      expect(estimatePromptTokens({ input: text }, 'claude-sonnet-4-5') * 4).toBeGreaterThanOrEqual(Buffer.byteLength(text));
    }
  });
});

describe('token estimate: every field that reaches the model counts', () => {
  const secret = english.repeat(200); // ~2,000 tokens
  const floor = exact(secret);
  it.each<[string, Record<string, unknown>]>([
    ['Responses input message (string content)', { input: [{ role: 'user', content: secret }] }],
    ['Responses input_text part', { input: [{ role: 'user', content: [{ type: 'input_text', text: secret }] }] }],
    ['Responses instructions', { instructions: secret, input: 'hi' }],
    ['Responses function_call_output', { input: [{ type: 'function_call_output', call_id: 'c', output: secret }] }],
    ['Responses function_call arguments', { input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: secret }] }],
    ['Responses output_text of an earlier turn', { input: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: secret }] }] }],
    ['Anthropic text document', { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: secret } }] }] }],
    ['Anthropic content document', { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'content', content: [{ type: 'text', text: secret }] } }] }] }],
    ['Anthropic system blocks', { system: [{ type: 'text', text: secret }], messages: [] }],
    ['Anthropic thinking block', { messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: secret, signature: 's' }] }] }],
    ['chat response_format schema', { messages: [], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { description: secret } } } }],
    ['chat message name', { messages: [{ role: 'user', name: secret, content: '' }] }],
    ['unknown part type', { messages: [{ role: 'user', content: [{ type: 'search_result', title: 't', content: [{ type: 'text', text: secret }] }] }] }],
    ['unknown top-level field', { messages: [], prediction: { type: 'content', content: secret } }],
    ['legacy prompt array', { prompt: [secret] }],
  ])('%s', (_name, request) => {
    expect(estimatePromptTokens(request, 'gpt-4o')).toBeGreaterThanOrEqual(floor);
    expect(estimatePromptTokens(request, 'claude-sonnet-4-5') * 4).toBeGreaterThanOrEqual(Buffer.byteLength(secret));
  });

  it('a base64 PDF document is charged at least one page, more for a bigger file', () => {
    const doc = (kb: number) => ({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'A'.repeat(kb * 1024) } }] }] });
    expect(estimatePromptTokens(doc(1), 'claude-sonnet-4-5')).toBeGreaterThanOrEqual(1_600);
    expect(estimatePromptTokens(doc(400), 'claude-sonnet-4-5')).toBeGreaterThan(estimatePromptTokens(doc(1), 'claude-sonnet-4-5'));
  });

  it('embeddings token-id arrays count one token per id', () => {
    expect(estimatePromptTokens({ input: [[1, 2, 3], [4, 5]] }, 'text-embedding-3-small')).toBe(5);
  });

  it('settings (temperature, metadata, stop, tool_choice) are not prompt', () => {
    const base = { messages: [{ role: 'user', content: 'hi' }] };
    const withSettings = { ...base, temperature: 0.2, metadata: { note: secret }, stop: ['x'], tool_choice: 'auto', user: 'u' };
    expect(estimatePromptTokens(withSettings, 'gpt-4o')).toBe(estimatePromptTokens(base, 'gpt-4o'));
  });
});
