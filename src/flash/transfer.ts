/**
 * Getting files onto a board: SFTP on the device's SSH connection when the board
 * offers the subsystem, otherwise `cat > FILE` over an exec channel with the file on
 * stdin (dropbear boards often have no sftp-server; binary-safe: nothing goes through
 * a command line or a shell's quoting).
 */
import type { SFTPWrapper } from 'ssh2';
import { BenchError } from '../errors.ts';
import type { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { shellQuote } from '../controllers/ssh/quote.ts';
import { runStep } from './board.ts';

export type TransferMode = 'sftp' | 'exec';

export interface Uploader {
  readonly mode: TransferMode;
  /** Why SFTP is not used (when mode is exec and SFTP was tried). */
  readonly fallbackReason: string | null;
  upload(remotePath: string, data: Buffer): Promise<void>;
  close(): void;
}

function sftpWrite(sftp: SFTPWrapper, path: string, data: Buffer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`SFTP write of ${path} did not finish within ${timeoutMs} ms`)), timeoutMs);
    sftp.writeFile(path, data, { mode: 0o644 }, (err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}

/**
 * An uploader for a device: SFTP when `mode` allows it and the board offers it, else
 * the exec fallback. `mode: 'sftp'` fails when the board has no SFTP.
 */
export async function openUploader(dev: SshDevice, mode: 'auto' | TransferMode, timeoutMs: number, log: (m: string) => void): Promise<Uploader> {
  let reason: string | null = null;
  if (mode !== 'exec') {
    try {
      const sftp = await dev.sftp(timeoutMs);
      return {
        mode: 'sftp',
        fallbackReason: null,
        upload: async (path, data) => {
          try {
            await sftpWrite(sftp, path, data, timeoutMs);
          } catch (err) {
            throw new BenchError(`${dev.name}: step upload: SFTP write of ${path} failed: ${(err as Error).message}`, { code: 'E_UPLOAD', subject: dev.name, cause: err });
          }
        },
        close: () => sftp.end(),
      };
    } catch (err) {
      // Only a board without SFTP falls back; a lost connection (E_DISCONNECTED) stays an error.
      if (!(err instanceof BenchError) || err.code !== 'E_NO_SFTP') throw err;
      reason = err.cause instanceof Error ? err.cause.message : err.message;
      if (mode === 'sftp') throw new BenchError(`${dev.name}: step upload: no SFTP on the board: ${reason}`, { code: 'E_NO_SFTP', subject: dev.name });
      log(`${dev.name}: no SFTP (${reason}); uploading with cat over exec`);
    }
  }
  return {
    mode: 'exec',
    fallbackReason: reason,
    upload: async (path, data) => {
      await runStep(dev, 'upload', `cat > ${shellQuote(path)}`, { timeoutMs, stdin: data });
    },
    close: () => {},
  };
}
