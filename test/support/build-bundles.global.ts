/**
 * Vitest's global setup: the handler bundles (`packaging/handler-bundles.ts`) built once for the
 * whole run, so test files running side by side only ever read them.
 */
import { buildHandlerBundles } from '../../packaging/handler-bundles.ts';

export default function setup(): void {
  buildHandlerBundles();
}
