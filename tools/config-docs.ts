/** Prints every configuration knob (from the zod schema's descriptions) as a Markdown table for the README. */
import { configTable } from './lib/config-table.js';

console.log(configTable());
