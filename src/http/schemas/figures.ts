/**
 * The response fields of the figures (src/app/performance/figures-view.ts `FiguresView`), so the
 * schemas list them once and in the views' order — the order the serializer writes them in.
 */
import type { z } from 'zod';
import type { FiguresView } from '../../app/performance/figures-view.js';

/** `names` (in that order), each checked and documented by `decimal` (the caller's, so its OpenAPI stays as it was). */
export function figureFields<K extends keyof FiguresView, D extends z.ZodType<string>>(
  decimal: D,
  names: readonly K[],
): Record<K, D> {
  const fields = {} as Record<K, D>;
  for (const n of names) fields[n] = decimal;
  return fields;
}
