/** Where Guix's daemon looks for build machines. */
export const DEFAULT_MACHINES_FILE = "/etc/guix/machines.scm";
