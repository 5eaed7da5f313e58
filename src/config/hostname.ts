/**
 * Host names, as config files and the library take them (no YAML here: the library must not
 * need the config parser's packages).
 * @module
 */
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Whether `name` is a valid host name: dot-separated labels of letters, digits and inner hyphens, 253 characters at most. */
export function isHostname(name: string): boolean {
  return name.length <= 253 && name.split(".").every((label) => HOST_LABEL.test(label));
}
