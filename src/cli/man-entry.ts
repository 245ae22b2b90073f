/** Build-time entry (scripts/build.mjs): the man page of this program for the given date. */
import { VERSION } from '../lib/version.js';
import { manPage } from './man.js';
import { createProgram } from './program.js';

export default (date: Date): string => manPage(createProgram, VERSION, date);
