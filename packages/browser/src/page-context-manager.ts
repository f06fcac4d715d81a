/**
 * Continues the server-rendered trace without wrapping any call (design decision 12).
 *
 * The fetch and XHR instrumentations start their span from the active context before any
 * propagator runs, so extracting the meta tags at inject time is too late: the span would
 * already belong to a new trace. And wrapping work in `context.with(pageContext, …)` ends at
 * the first `await` with sdk-trace-web's `StackContextManager`. So this context manager
 * wraps the app's own one and answers the page's context wherever the app's manager answers
 * the empty root context — work started while no other trace is active becomes a child of the
 * server's span, with its frozen DSC. Work inside a span of the app's stays in that span's trace.
 *
 * The page's trace ends at navigation: a history navigation (Navigation API `navigate`, else
 * `popstate`), `pagehide`, or {@link PageTraceContextManager.endPageTrace} (for a router that
 * uses neither). After it, the root context is empty again and new work starts new traces.
 */
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/** Where navigation is heard: `window` in a page. */
export interface NavigationEvents {
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: string, listener: () => void): void;
  readonly navigation?:
    | {
        addEventListener(type: string, listener: () => void): void;
        removeEventListener?(type: string, listener: () => void): void;
      }
    | undefined;
}

/** A `ContextManager` whose root context is the page's trace until navigation. */
export class PageTraceContextManager implements ContextManager {
  readonly #inner: ContextManager;
  #page: Context | undefined;
  readonly #events: NavigationEvents | undefined;
  readonly #onNavigate = (): void => this.endPageTrace();

  /**
   * @param inner - the app's context manager (sdk-trace-web's `StackContextManager`, or a
   *   `ZoneContextManager`); every call goes to it.
   * @param pageContext - the context extracted from the page's meta tags; `undefined` when
   *   the page has none (then this manager only forwards).
   * @param events - where navigation is heard (`window`); `undefined` outside a page.
   */
  constructor(inner: ContextManager, pageContext: Context | undefined, events: NavigationEvents | undefined) {
    this.#inner = inner;
    this.#page = pageContext;
    this.#events = events;
  }

  /** Whether the page's trace is still the root context. */
  get continuesPageTrace(): boolean {
    return this.#page !== undefined;
  }

  /** Ends the page's trace: from now on, work with no active span starts a new trace. */
  endPageTrace(): void {
    if (this.#page === undefined) return;
    this.#page = undefined;
    this.#events?.navigation?.removeEventListener?.('navigate', this.#onNavigate);
    this.#events?.removeEventListener('popstate', this.#onNavigate);
    this.#events?.removeEventListener('pagehide', this.#onNavigate);
  }

  /** The inner manager's active context, or the page's context where that is the empty root context. */
  active(): Context {
    const active = this.#inner.active();
    // Identity, not emptiness: a context the app built on purpose (baggage, suppression) stays as it is.
    return active === ROOT_CONTEXT && this.#page !== undefined ? this.#page : active;
  }

  /** Runs `fn` with `context` active, through the inner manager. */
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#inner.with(context, fn, thisArg, ...args);
  }

  /** Binds `target` to `context`, through the inner manager. */
  bind<T>(context: Context, target: T): T {
    return this.#inner.bind(context, target);
  }

  /** Enables the inner manager and starts listening for the navigation that ends the page's trace. */
  enable(): this {
    this.#inner.enable();
    if (this.#page !== undefined && this.#events !== undefined) {
      // The Navigation API also reports pushState navigations of single-page apps.
      if (this.#events.navigation !== undefined) this.#events.navigation.addEventListener('navigate', this.#onNavigate);
      else this.#events.addEventListener('popstate', this.#onNavigate);
      this.#events.addEventListener('pagehide', this.#onNavigate);
    }
    return this;
  }

  /** Disables the inner manager. */
  disable(): this {
    this.#inner.disable();
    return this;
  }
}
