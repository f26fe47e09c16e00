/**
 * The generic REST power driver against a tiny loopback HTTP relay board (written here,
 * with its own URLs), and the local-command driver against a temporary script: switching
 * with read-back, a switch that does not move, credentials refused without the secret in
 * the message, a state the patterns cannot read, a script that fails or hangs, and
 * arguments passed as they are (no shell).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCommandPowerSwitch } from '../controllers/power/local-command.ts';
import { RestPowerSwitch } from '../controllers/power/rest.ts';
import type { PowerSpec } from '../inventory/schema.ts';
import { tempDir } from './helpers/cli.ts';
import { benchFailure } from './helpers/bench-failure.ts';

const failure = benchFailure;

/** A relay board: PUT /relays/<n>/on|off (bearer token), GET /relays -> {"relays":[{"n":1,"on":true},...]}. */
class RelayBoard {
  relays = [true, true, true, true];
  stuck = false;
  hits: string[] = [];
  constructor(
    readonly server: Server,
    readonly port: number,
  ) {}
  static async start(token: string): Promise<RelayBoard> {
    let board!: RelayBoard;
    const server = createServer((req, res) => {
      board.hits.push(`${req.method} ${req.url}`);
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401).end('unauthorized');
        return;
      }
      const m = /^\/relays\/(\d+)\/(on|off)$/.exec(req.url ?? '');
      if (req.method === 'PUT' && m && Number(m[1]) <= board.relays.length) {
        if (!board.stuck) board.relays[Number(m[1]) - 1] = m[2] === 'on';
        res.writeHead(204).end();
      } else if (req.method === 'GET' && req.url === '/relays') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ relays: board.relays.map((on, i) => ({ n: i + 1, on })) }));
      } else if (req.method === 'GET' && /^\/relays\/\d+\/text$/.test(req.url ?? '')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`relay ${req.url!.split('/')[2]}: ${board.relays[Number(req.url!.split('/')[2]) - 1] ? 'ON' : 'OFF'}\n`);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    board = new RelayBoard(server, (server.address() as AddressInfo).port);
    return board;
  }
  close(): Promise<void> {
    return new Promise((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

const boards: RelayBoard[] = [];
afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
});

function restSpec(outlet: number, rest: Partial<NonNullable<PowerSpec['rest']>> = {}): PowerSpec {
  return {
    driver: 'rest',
    outlet,
    rest: {
      scheme: 'http',
      on: { method: 'PUT', url: '/relays/{outlet}/on' },
      off: { method: 'PUT', url: '/relays/{outlet}/off' },
      state: { method: 'GET', url: '/relays' },
      jsonPath: 'relays.{outlet}.on',
      onMatch: '^true$',
      offMatch: '^false$',
      tokenEnv: 'RELAY_TOKEN',
      ...rest,
    },
  };
}

describe('REST power driver against a loopback relay board', () => {
  it('switches through the URL templates, reads back through a JSON path', async () => {
    const b = await RelayBoard.start('T0ken-abc');
    boards.push(b);
    // Array indexes in the path count from 0: relay 3 is relays.2.
    const sw = new RestPowerSwitch({ name: 'ap1', host: '127.0.0.1', port: b.port, outlet: 3, settings: restSpec(3, { jsonPath: 'relays.2.on' }), env: { RELAY_TOKEN: 'T0ken-abc' } });
    expect(await sw.state()).toBe('on');
    await sw.off();
    expect(b.relays).toEqual([true, true, false, true]);
    await sw.on();
    expect(b.relays).toEqual([true, true, true, true]);
    expect(b.hits.filter((h) => h.startsWith('PUT'))).toEqual(['PUT /relays/3/off', 'PUT /relays/3/on']);
  });

  it('reads a plain-text state by regex, and a board that does not switch is caught by the read-back', async () => {
    const b = await RelayBoard.start('T0ken-abc');
    boards.push(b);
    const settings = restSpec(2, { state: { method: 'GET', url: '/relays/{outlet}/text' }, jsonPath: undefined, onMatch: ': ON$', offMatch: ': OFF$' });
    const sw = new RestPowerSwitch({ name: 'client', host: '127.0.0.1', port: b.port, outlet: 2, settleMs: 200, settings, env: { RELAY_TOKEN: 'T0ken-abc' } });
    await sw.off();
    expect(await sw.state()).toBe('off');
    b.stuck = true;
    expect(await failure(sw.on())).toMatch(/^E_POWER_STUCK: power switch for client \(REST at 127\.0\.0\.1:\d+, outlet 2\): switched on, but the outlet reads back off/);
  });

  it('a wrong token is refused (the message names the variable, not the token); a missing one is named', async () => {
    const b = await RelayBoard.start('T0ken-abc');
    boards.push(b);
    const msg = await failure(new RestPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: b.port, outlet: 1, settings: restSpec(1), env: { RELAY_TOKEN: 'guess-T0ken' } }).off());
    expect(msg).toMatch(/^E_POWER_AUTH: power switch for ap2 .*refused the credentials \(HTTP 401\) for PUT \/relays\/1\/off: .*rest\.tokenEnv/);
    expect(msg).not.toMatch(/guess-T0ken|T0ken-abc/);
    expect(await failure(new RestPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: b.port, outlet: 1, settings: restSpec(1), env: {} }).state())).toMatch(
      /^E_SECRET_ENV: ap2: .*bearer token is read from the environment variable RELAY_TOKEN, which is not set/,
    );
    expect(b.relays[0]).toBe(true);
  });

  it('a state the patterns cannot read, and a JSON path with nothing there, are errors saying so', async () => {
    const b = await RelayBoard.start('T0ken-abc');
    boards.push(b);
    const env = { RELAY_TOKEN: 'T0ken-abc' };
    expect(await failure(new RestPowerSwitch({ name: 'ap1', host: '127.0.0.1', port: b.port, outlet: 1, settings: restSpec(1, { jsonPath: 'relays.9.on' }), env }).state())).toMatch(
      /^E_POWER: .*the state answer has nothing at relays\.9\.on/,
    );
    expect(await failure(new RestPowerSwitch({ name: 'ap1', host: '127.0.0.1', port: b.port, outlet: 1, settings: restSpec(1, { jsonPath: 'relays.0.n', onMatch: 'x', offMatch: 'y' }), env }).state())).toMatch(
      /^E_POWER: .*the state "1" matches neither onMatch nor offMatch/,
    );
  });
});

/** A lab's power script: `pdu.sh <outlet> on|off|state`, keeping the state in a file; behaviour switches by files beside it. */
function script(dir: string): string {
  const file = join(dir, 'pdu.sh');
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      `dir='${dir}'`,
      'printf "%s\\n" "$@" > "$dir/argv.$2"',
      '[ -f "$dir/fail" ] && { echo "relay controller offline" >&2; exit 4; }',
      '[ -f "$dir/hang" ] && exec sleep 30',
      'case "$2" in',
      '  on|off) [ -f "$dir/stuck" ] || echo "$2" > "$dir/outlet.$1" ;;',
      '  state) if [ -f "$dir/outlet.$1" ]; then echo "outlet $1 is $(cat "$dir/outlet.$1")"; else echo "outlet $1 is on"; fi ;;',
      '  *) echo "usage: pdu.sh N on|off|state" >&2; exit 2 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}
function commandSpec(file: string, extra: string[] = [], timeoutS = 10): PowerSpec {
  return { driver: 'command', outlet: 4, command: { switch: [file, '{outlet}', '{action}', ...extra], state: [file, '{outlet}', 'state'], onMatch: 'is on$', offMatch: 'is off$', timeoutS } };
}

describe('local-command power driver against a temporary script', () => {
  it('switches with {outlet} and {action}, reads the state from its output', async () => {
    const dir = tempDir();
    const sw = new LocalCommandPowerSwitch({ name: 'client', host: '', port: 0, outlet: 4, settings: commandSpec(script(dir)) });
    expect(await sw.state()).toBe('on');
    await sw.off();
    expect(readFileSync(join(dir, 'outlet.4'), 'utf8')).toBe('off\n');
    expect(await sw.state()).toBe('off');
    await sw.cycle(10);
    expect(await sw.state()).toBe('on');
  });

  it('arguments reach the script as they are: no shell reads them', async () => {
    const dir = tempDir();
    const evil = `; touch ${join(dir, 'pwned')} $(id) \`id\` 'q"`;
    const sw = new LocalCommandPowerSwitch({ name: 'client', host: '', port: 0, outlet: 4, settings: commandSpec(script(dir), [evil]) });
    await sw.off();
    expect(readFileSync(join(dir, 'argv.off'), 'utf8')).toBe(`4\noff\n${evil}\n`);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('a script that does not switch, fails, or hangs: each an error naming the device and what happened', async () => {
    const dir = tempDir();
    const file = script(dir);
    writeFileSync(join(dir, 'stuck'), '');
    const stuck = new LocalCommandPowerSwitch({ name: 'ap1', host: '', port: 0, outlet: 4, settleMs: 150, settings: commandSpec(file) });
    expect(await failure(stuck.off())).toMatch(/^E_POWER_STUCK: power switch for ap1 \(command .*pdu\.sh, outlet 4\): switched off, but the outlet reads back on/);
    writeFileSync(join(dir, 'fail'), '');
    expect(await failure(stuck.off())).toMatch(/^E_POWER: power switch for ap1 .*pdu\.sh off: exited with status 4: relay controller offline$/);
    const dir2 = tempDir();
    const file2 = script(dir2);
    writeFileSync(join(dir2, 'hang'), '');
    const hung = new LocalCommandPowerSwitch({ name: 'ap2', host: '', port: 0, outlet: 4, settings: commandSpec(file2, [], 0.3) });
    expect(await failure(hung.on())).toMatch(/^E_POWER: power switch for ap2 .*pdu\.sh on: did not finish within 0\.3 s \(killed\)/);
    const missing = new LocalCommandPowerSwitch({ name: 'ap2', host: '', port: 0, outlet: 4, settings: commandSpec(join(dir2, 'no-such-script')) });
    expect(await failure(missing.state())).toMatch(/^E_POWER: .*cannot run it \(ENOENT\)/);
  });
});
