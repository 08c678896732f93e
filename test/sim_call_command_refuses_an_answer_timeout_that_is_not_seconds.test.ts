import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `npm run call -- --answer-timeout S`: a value that is not a number of seconds is refused before any call is placed. */
describe('npm run call with a bad --answer-timeout', () => {
  it.each(['abc', '0', '-5', '601'])('refuses %s with exit 2 and says what it takes', (value) => {
    const run = spawnSync(process.execPath, ['bin/pasokh.js', 'call', '--dtmf', '1', '--url', 'http://127.0.0.1:1', `--answer-timeout=${value}`], {
      encoding: 'utf8',
      env: { ...process.env, PASOKH_LOG_LEVEL: 'silent' },
    });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain('--answer-timeout must be a number of seconds between 0 and 600');
    // Refused before dialling: no "Cannot reach Pasokh" for the unreachable URL.
    expect(run.stderr).not.toContain('Cannot reach');
  });
});
