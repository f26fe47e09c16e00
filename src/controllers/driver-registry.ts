/**
 * Drivers looked up by the name the inventory gives (labgrid style): one registry per
 * device role, one registration line per implementation. An unknown name is a
 * ConfigError listing the names there are.
 */
import { ConfigError } from '../errors.ts';

export class DriverRegistry<Spec, Driver> {
  private readonly factories = new Map<string, (spec: Spec) => Driver>();

  /** `role` names the registry in errors ("station driver", "power switch driver"). */
  constructor(readonly role: string) {}

  register(name: string, factory: (spec: Spec) => Driver): void {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new Error(`${this.role} name "${name}": lower-case letters, digits, ".", "_", "-"`);
    this.factories.set(name, factory);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  /** Create the driver `name` for `subject` (the device or unit it serves, for the error). */
  create(name: string, spec: Spec, subject: string): Driver {
    const factory = this.factories.get(name);
    if (!factory) {
      throw new ConfigError(`${subject}: unknown ${this.role} "${name}"; supported: ${this.names().join(', ') || 'none'}`, {
        code: 'E_DRIVER',
        subject,
      });
    }
    return factory(spec);
  }
}
