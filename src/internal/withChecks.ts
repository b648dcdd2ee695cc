/** For each method of `M`, a function taking the same arguments that throws when they are wrong. */
export type MethodChecks<M> = {
  readonly [K in keyof M]?: NonNullable<M[K]> extends (...args: infer A) => unknown ? (...args: A) => void : never;
};

/**
 * `methods`, each of those that `checks` names running its check on the arguments first, so that a
 * wrong argument throws at call time and the method never runs. Methods without a check, and checks
 * of methods that `methods` lacks (an optional one), are left as they are.
 */
export function withChecks<M extends object>(methods: M, checks: MethodChecks<M>): M {
  const checked: Record<string, unknown> = { ...(methods as Record<string, unknown>) };
  for (const [name, check] of Object.entries(checks) as [string, (...args: unknown[]) => void][]) {
    const method = (methods as Record<string, unknown>)[name];
    if (typeof method !== 'function') continue;
    checked[name] = (...args: unknown[]): unknown => {
      check(...args);
      return (method as (...args: unknown[]) => unknown).apply(methods, args);
    };
  }
  return checked as M;
}
