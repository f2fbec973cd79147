/**
 * Human-readable sizes, rates and durations for messages and tables.
 *
 * @example
 * import { formatBytes, formatDuration, formatRate } from "./units.ts";
 * formatBytes(104857600);    // "100 MiB"
 * formatRate(4194304, 20);   // "200 MiB/s"
 * formatDuration(93784);     // "1d 2h 3m"
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * Bytes with a binary unit, in the style of Guix's `number->size` (which
 * `guix offload status` prints): a number, a space, the unit, and no
 * trailing `.0` — `3 GiB`, `100 MiB`. Where Guix rounds to a whole number,
 * this keeps three significant digits (`1.5 KiB`, `12.3 GiB`), and it
 * switches unit at 1024 of the smaller one, where Guix waits for more.
 *
 * @example
 * formatBytes(3 * 1024 ** 3); // "3 GiB"
 * formatBytes(1536);          // "1.5 KiB"
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${UNITS[unit]}`;
}

/**
 * A transfer rate from bytes moved in `ms` milliseconds.
 *
 * @example
 * formatRate(1048576, 1000); // "1 MiB/s"
 */
export function formatRate(bytes: number, ms: number): string {
  return `${formatBytes((bytes / Math.max(ms, 0.001)) * 1000)}/s`;
}

/**
 * A duration in seconds as days, hours and minutes (seconds under a minute).
 *
 * @example
 * formatDuration(59); // "59s"
 */
export function formatDuration(seconds: number): string {
  const total = Math.floor(seconds);
  if (total < 60) return `${total}s`;
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return [days > 0 ? `${days}d` : "", days > 0 || hours > 0 ? `${hours}h` : "", `${minutes}m`].filter((part) => part !== "").join(" ");
}

/**
 * Milliseconds for messages: `850 ms`, `1.5 s`, `30 s`.
 *
 * @example
 * formatMs(30000); // "30 s"
 */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A size as people write it — bytes, or a number with K, M, G or T (binary
 * units; `Ki`, `KiB` and `KB` mean the same) — in bytes, or null if it is
 * not one.
 *
 * @example
 * parseSize("2G");     // 2147483648
 * parseSize("1.5 MiB"); // 1572864
 * parseSize("lots");   // null
 */
export function parseSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B|i)?\s*$/i.exec(text);
  if (match === null) return null;
  const bytes = Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]!;
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : null;
}
