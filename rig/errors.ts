/**
 * The virtual rig's own error: a stable `code`, a `kind` and the exit code it stands
 * for (config 2, bench 3). The rig shares no code with src/ (what it checks), so this
 * is not src/errors.ts's RigError; it only looks alike, and the CLI treats any Error
 * with a string `code`, a `kind` and a numeric `exitCode` the same way
 * (src/errors.ts isExitCodedError).
 */
export type VirtualRigErrorKind = 'config' | 'bench';

export class VirtualRigError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly kind: VirtualRigErrorKind,
  ) {
    super(message);
    this.name = 'VirtualRigError';
  }

  get exitCode(): number {
    return this.kind === 'config' ? 2 : 3;
  }
}
