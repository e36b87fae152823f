/** Why a registry write was refused. */
export type RegistryErrorKind = 'validation' | 'not_found' | 'conflict';

/** A refused registry write. `problems` name the field (`route.path: must start with "/"`). */
export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(
    readonly kind: RegistryErrorKind,
    readonly problems: string[],
  ) {
    super(problems.join('; '));
  }
}

/** Shorthand for a validation failure with one or more field messages. */
export function invalid(...problems: string[]): RegistryError {
  return new RegistryError('validation', problems);
}
