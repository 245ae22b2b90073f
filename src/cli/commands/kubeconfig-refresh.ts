import type { Io } from '../io.js';
export default async function todo(_a: unknown[], _o: Record<string, unknown>, _io: Io): Promise<void> {
  throw new Error('not built yet');
}
