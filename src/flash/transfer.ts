/**
 * Getting files onto a board: SFTP on the device's SSH connection when the board
 * offers the subsystem, otherwise `cat > FILE` over an exec channel with the file on
 * stdin (dropbear boards often have no sftp-server; binary-safe: nothing goes through
 * a command line or a shell's quoting).
 */
import type { Client as SshClient, SFTPWrapper } from 'ssh2';
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

/**
 * The SFTP session of a connection. SshDevice keeps its ssh2 client to itself; a
 * device that offers `sftp()` is asked, otherwise its client is used directly.
 */
function openSftp(dev: SshDevice, timeoutMs: number): Promise<SFTPWrapper> {
  const d = dev as unknown as { sftp?: () => Promise<SFTPWrapper>; client?: SshClient };
  if (typeof d.sftp === 'function') return d.sftp();
  const client = d.client;
  if (!client || typeof client.sftp !== 'function') return Promise.reject(new Error('this connection cannot open SFTP'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to the sftp subsystem request within ${timeoutMs} ms`)), timeoutMs);
    client.sftp((err, sftp) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(sftp);
    });
  });
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
      const sftp = await openSftp(dev, timeoutMs);
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
      if (!dev.connected) throw dev.disconnectedError('(sftp)');
      reason = (err as Error).message;
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
