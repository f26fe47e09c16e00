/**
 * The virtual console servers of a bench: for every device whose inventory entry has a
 * `console:`, a console port of that driver (ser2net-tcp: raw TCP; ser2net-telnet:
 * telnet with RFC 2217) on loopback, port 0 (the inventory's port is a real lab's), and
 * the board's UART behind it (board-console.ts). The login password is the one the
 * inventory's passwordEnv names, when it names one. All or nothing.
 */
import type { ConsoleInventorySpec } from '../../src/inventory/schema.ts';
import type { Board } from '../device/board.ts';
import { VirtualRigError } from '../errors.ts';
import { BoardConsole } from './board-console.ts';
import { startConsolePort, type ConsolePortMode } from './console-port.ts';

export const VIRTUAL_CONSOLE_DRIVERS: Record<string, ConsolePortMode> = { 'ser2net-tcp': 'raw', 'ser2net-telnet': 'telnet' };

export interface BenchConsoles {
  consoles: Record<string, BoardConsole>;
  /** Per device: where its console server port listens. */
  endpoints: Record<string, { host: string; port: number }>;
  close(): Promise<void>;
}

export async function startVirtualConsoles(specs: Record<string, ConsoleInventorySpec>, boards: Record<string, Board>, opts: { host: string }): Promise<BenchConsoles> {
  for (const [device, spec] of Object.entries(specs)) {
    if (!Object.hasOwn(VIRTUAL_CONSOLE_DRIVERS, spec.driver)) {
      throw new VirtualRigError(`${device}: the virtual rig has no "${spec.driver}" console server; it has ${Object.keys(VIRTUAL_CONSOLE_DRIVERS).join(', ')}`, 'E_VIRTUAL_CONSOLE', 'config');
    }
  }
  const consoles: Record<string, BoardConsole> = {};
  const endpoints: BenchConsoles['endpoints'] = {};
  const close = async (): Promise<void> => {
    await Promise.allSettled(Object.values(consoles).map((c) => c.port.close()));
  };
  try {
    for (const [device, spec] of Object.entries(specs)) {
      let uart: BoardConsole | null = null;
      const port = await startConsolePort({ host: opts.host, mode: VIRTUAL_CONSOLE_DRIVERS[spec.driver], onInput: (b) => uart?.input(b) });
      uart = new BoardConsole({ board: boards[device], port, user: spec.user ?? 'root', password: spec.passwordEnv ? process.env[spec.passwordEnv] : undefined });
      consoles[device] = uart;
      endpoints[device] = { host: opts.host, port: port.port };
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { consoles, endpoints, close };
}
