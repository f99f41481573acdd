/**
 * `npm run demo:browser` as a user runs it: one command, in its own process, serving the page,
 * its script, the statechart and a broker the page can reach, until it is stopped (spec R124).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/brokers.js';

describe('npm run demo:browser', () => {
  let child: ChildProcess | undefined;

  afterEach(async () => {
    // Its own process group (detached), so nothing it started outlives a failed test.
    if (child?.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, 'SIGKILL');
      await once(child, 'exit');
    }
  });

  it('serves the page, its script, the statechart and the broker config, and stops on SIGTERM', async () => {
    const port = await freePort();
    // The npm script's own command line (npm itself does not pass SIGTERM on to it).
    const command = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts['demo:browser'];
    expect(command).toBe('tsx scripts/demo-browser.ts');
    child = spawn('node_modules/.bin/tsx', ['scripts/demo-browser.ts', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // It prints the page's URL once everything is up.
    const url = await new Promise<string>((resolve, reject) => {
      child?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child?.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
    });
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    const page = await fetch(url);
    expect(await page.text()).toContain('<script type="module" src="/page.js"></script>');
    const script = await (await fetch(`${url}page.js`)).text();
    expect(script).toContain('demo/#');
    expect(await (await fetch(`${url}statechart.svg`)).text()).toContain('<title>cluster_online</title>');
    const config = (await (await fetch(`${url}config.json`)).json()) as { brokerUrl: string };
    expect(config.brokerUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 60_000);
});
