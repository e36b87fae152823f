// The encoders loaded a slice at a time (for live reloads) must encode exactly as js-tiktoken's own constructor does.
import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { describe, expect, it } from 'vitest';
import { encodersReady, getEncoder, loadEncoders, type EncodingName } from '../../../../../server/targets/llm-router/tokens/encoders.js';

const require = createRequire(import.meta.url);
const TEXTS = [
  'Hello, world! The quick brown fox jumps over the lazy dog.',
  '人工智能正在改变世界，大型语言模型可以理解和生成文本。',
  'function add(a, b) {\n  return a + b; // 42\n}\n\n\t  indented',
  'emoji 🎉🚀 and accents: naïve café, Ünïcödé, 1234567890 ,,, ...',
  'x'.repeat(300) + ' ' + 'ab '.repeat(50),
];

describe('encoders loaded a slice at a time', () => {
  it('are not loaded until asked, then ready', async () => {
    expect(encodersReady()).toBe(false);
    await loadEncoders();
    expect(encodersReady()).toBe(true);
  }, 60_000);

  it.each<EncodingName>(['o200k_base', 'cl100k_base'])('%s encodes as js-tiktoken does', async (name) => {
    await loadEncoders();
    const reference = new Tiktoken(require(`js-tiktoken/ranks/${name}`) as TiktokenBPE);
    for (const text of TEXTS) expect(getEncoder(name).encode(text, [], [])).toEqual(reference.encode(text, [], []));
  }, 60_000);
});
