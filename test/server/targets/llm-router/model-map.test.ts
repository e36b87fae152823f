import { describe, expect, it } from 'vitest';
import {
  compileModelMap,
  mapModel,
  ModelMapError,
  type ModelMapRule,
} from '../../../../server/targets/llm-router/model-map.js';

const RULES: ModelMapRule[] = [
  ['~^qwen-(.*)$', 'qwen-$1-latest'],
  ['gpt-4-*', 'qwen-max'],
  ['gpt-4-turbo*', 'never-reached'],
  ['gpt-4o', 'qwen-plus'],
  ['gpt-*', 'qwen-turbo'],
  ['~^claude-(\\w+)-(\\d)', 'anthropic/$1-v$2'],
  ['keep-me', ''],
  ['*', 'default-model'],
];

describe('mapModel', () => {
  it.each([
    ['gpt-4o', 'qwen-plus', 'exact beats prefix'],
    ['gpt-4-turbo', 'qwen-max', 'first matching prefix wins, in list order'],
    ['gpt-3.5-turbo', 'qwen-turbo', 'shorter prefix when the longer one does not match'],
    ['qwen-max', 'qwen-max-latest', 'regex with $1'],
    ['claude-opus-4', 'anthropic/opus-v4', 'regex with two groups'],
    ['keep-me', 'keep-me', 'empty target keeps the name'],
    ['llama-3', 'default-model', 'default *'],
    ['gpt-4o-mini', 'qwen-turbo', 'exact needs the whole name; falls to prefix gpt-*'],
  ])('%s → %s (%s)', (model, expected) => {
    expect(mapModel(RULES, model)).toBe(expected);
  });

  it('prefix rules outrank regex rules listed earlier', () => {
    expect(mapModel([['~^gpt-(.*)$', 'regex-$1'], ['gpt-*', 'prefix']], 'gpt-4')).toBe('prefix');
  });

  it('leaves the model unchanged with no matching rule and no default', () => {
    expect(mapModel([['a', 'b']], 'c')).toBe('c');
    expect(mapModel([], 'c')).toBe('c');
  });

  it('the first exact or default rule wins over later duplicates', () => {
    expect(mapModel([['a', 'one'], ['a', 'two']], 'a')).toBe('one');
    expect(mapModel([['*', 'one'], ['*', 'two']], 'z')).toBe('one');
  });

  it('a compiled mapper is reusable and deterministic (regex lastIndex reset)', () => {
    const map = compileModelMap([['~qwen', 'tongyi']]);
    expect([map('qwen-1'), map('qwen-2'), map('x-qwen')]).toEqual(['tongyi-1', 'tongyi-2', 'x-tongyi']);
  });

  it.each<[string, ModelMapRule[]]>([
    ['invalid regex', [['~(unclosed', 'x']]],
    ['empty pattern', [['', 'x']]],
    ['non-string target', [['a', 5 as never]]],
  ])('rejects %s with a ModelMapError', (_n, rules) => {
    expect(() => compileModelMap(rules)).toThrow(ModelMapError);
  });

  it('rejects a mapping whose result is empty', () => {
    expect(() => mapModel([['~^(a*)bc$', '$1']], 'bc')).toThrow(/becomes empty/);
    expect(mapModel([['~^(a*)bc$', '$1']], 'aabc')).toBe('aa');
  });
});
