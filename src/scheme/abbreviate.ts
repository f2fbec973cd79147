/**
 * Shortening long texts for one-line messages: the reader's own
 * (grammar/abbreviate.ts), which the layers above reach here.
 *
 * @example
 * abbreviate("x".repeat(100)).length; // 80
 */
export { ABBREVIATION_LENGTH, abbreviate } from "../../grammar/abbreviate.ts";
