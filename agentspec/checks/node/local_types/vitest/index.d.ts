// Minimal declarations of the vitest API the spec's test examples use, so a test is checked
// against it like any other library call. The package itself (with vite and esbuild) is not
// installed for a type check; a name declared here follows vitest's own documentation
// (https://vitest.dev/api/). Anything else a test imports from vitest is an error to fix here.
type Awaitable<T> = T | PromiseLike<T>;
type HookFn = () => Awaitable<unknown>;
type TestFn = () => Awaitable<unknown>;
type AnyFn = (...args: any[]) => any;

export interface TestAPI {
  (name: string, fn?: TestFn, timeout?: number): void;
  skip: TestAPI;
  only: TestAPI;
  todo(name: string): void;
  each<T>(cases: readonly T[]): (name: string, fn: (testCase: T) => Awaitable<unknown>) => void;
}
export interface SuiteAPI {
  (name: string, fn: () => void): void;
  skip: SuiteAPI;
  only: SuiteAPI;
}
export declare const describe: SuiteAPI;
export declare const suite: SuiteAPI;
export declare const it: TestAPI;
export declare const test: TestAPI;
export declare function beforeAll(fn: HookFn, timeout?: number): void;
export declare function afterAll(fn: HookFn, timeout?: number): void;
export declare function beforeEach(fn: HookFn, timeout?: number): void;
export declare function afterEach(fn: HookFn, timeout?: number): void;

export interface Matchers<R = void> {
  toBe(expected: unknown): R;
  toEqual(expected: unknown): R;
  toStrictEqual(expected: unknown): R;
  toMatchObject(expected: object): R;
  toHaveLength(length: number): R;
  toHaveProperty(path: string | readonly string[], value?: unknown): R;
  toContain(item: unknown): R;
  toContainEqual(item: unknown): R;
  toMatch(expected: string | RegExp): R;
  toBeDefined(): R;
  toBeUndefined(): R;
  toBeNull(): R;
  toBeTruthy(): R;
  toBeFalsy(): R;
  toBeNaN(): R;
  toBeInstanceOf(expected: unknown): R;
  toBeGreaterThan(expected: number | bigint): R;
  toBeGreaterThanOrEqual(expected: number | bigint): R;
  toBeLessThan(expected: number | bigint): R;
  toBeLessThanOrEqual(expected: number | bigint): R;
  toBeCloseTo(expected: number, digits?: number): R;
  toThrow(expected?: string | RegExp | Error | (new (...args: any[]) => Error)): R;
  toThrowError(expected?: string | RegExp | Error | (new (...args: any[]) => Error)): R;
  toHaveBeenCalled(): R;
  toHaveBeenCalledTimes(times: number): R;
  toHaveBeenCalledWith(...args: unknown[]): R;
  toHaveBeenLastCalledWith(...args: unknown[]): R;
  toHaveReturnedWith(value: unknown): R;
}
export interface Assertion<T = unknown> extends Matchers {
  not: Matchers;
  resolves: Matchers<Promise<void>>;
  rejects: Matchers<Promise<void>>;
}
export interface ExpectStatic {
  <T>(actual: T, message?: string): Assertion<T>;
  any(constructor: unknown): any;
  anything(): any;
  objectContaining(expected: object): any;
  arrayContaining(expected: readonly unknown[]): any;
  stringContaining(expected: string): any;
  stringMatching(expected: string | RegExp): any;
  assertions(count: number): void;
}
export declare const expect: ExpectStatic;

export interface Mock<T extends AnyFn = AnyFn> {
  (...args: Parameters<T>): ReturnType<T>;
  mock: { calls: Parameters<T>[]; results: { type: string; value: unknown }[] };
  mockReturnValue(value: ReturnType<T>): this;
  mockReturnValueOnce(value: ReturnType<T>): this;
  mockResolvedValue(value: Awaited<ReturnType<T>>): this;
  mockResolvedValueOnce(value: Awaited<ReturnType<T>>): this;
  mockRejectedValue(reason: unknown): this;
  mockRejectedValueOnce(reason: unknown): this;
  mockImplementation(fn: T): this;
  mockImplementationOnce(fn: T): this;
  mockClear(): this;
  mockReset(): this;
  mockRestore(): void;
}
export declare const vi: {
  fn<T extends AnyFn = AnyFn>(implementation?: T): Mock<T>;
  spyOn<T extends object, K extends keyof T>(object: T, method: K): Mock<T[K] extends AnyFn ? T[K] : AnyFn>;
  mock(path: string, factory?: () => unknown): void;
  mocked<T>(item: T, deep?: boolean): T;
  clearAllMocks(): void;
  resetAllMocks(): void;
  restoreAllMocks(): void;
  useFakeTimers(): void;
  useRealTimers(): void;
  advanceTimersByTime(ms: number): void;
  setSystemTime(time: number | string | Date): void;
};
