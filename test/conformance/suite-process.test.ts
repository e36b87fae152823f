import { describe, expect, it } from 'vitest';
import { suiteCommand } from './suite-process.js';

const url = 'http://127.0.0.1:1/mcp';

describe('the suite command line', () => {
  it('runs the 2025 scenarios with the pinned 0.1.16', () => {
    expect(suiteCommand({ url, suite: 'active', specVersion: '2025-11-25' })).toEqual([
      'npx', '-y', '-p', 'node@22', '-p', '@modelcontextprotocol/conformance@0.1.16', '--', 'conformance', 'server', '--url', url, '--suite', 'active', '--spec-version', '2025-11-25',
    ]);
  });

  it('runs a requirement set with exactly 0.2.0-alpha.12 and --requirements instead of --suite/--spec-version', () => {
    const args = suiteCommand({ url, suite: 'active', specVersion: '2025-11-25', requirements: '2026-07-28', outputDir: '/tmp/x' });
    expect(args).toContain('@modelcontextprotocol/conformance@0.2.0-alpha.12');
    expect(args.slice(args.indexOf('--url'))).toEqual(['--url', url, '--requirements', '2026-07-28', '-o', '/tmp/x']);
  });

  it('runs one scenario of a requirement set at that revision', () => {
    const args = suiteCommand({ url, suite: 'active', specVersion: '2025-11-25', requirements: '2026-07-28', scenario: 'caching' });
    expect(args.slice(args.indexOf('--url'))).toEqual(['--url', url, '--scenario', 'caching', '--spec-version', '2026-07-28']);
  });
});
