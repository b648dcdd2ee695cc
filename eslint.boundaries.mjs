// The layers of src/ (see README "Project layout"), kept by lint: each folder may import only what
// lies below it. Used by eslint.config.mjs, and by test/unit/lint/boundaries.spec.ts, which shows
// that a forbidden import fails.
//
//   facade -> observables and operators -> engine -> contract (backend.ts, taskBackend.ts, limits.ts)
//   backends (memory, redis) -> contract; testing -> memory backend; everything -> errors, internal

/** A `no-restricted-imports` pattern for imports of a folder of src/, from anywhere inside src/. */
const folder = (name, why) => ({
  regex: `^\\.\\.?/(\\.\\./)*${name.replaceAll('/', '\\/')}(/|\\.js$)`,
  message: why,
});

const ABOVE_ENGINE = [
  folder('observables', 'the engine knows only the contracts: it imports nothing from observables/'),
  folder('operators', 'the engine knows only the contracts: it imports nothing from operators/'),
  folder('facade', 'the engine knows only the contracts: it imports nothing from facade/'),
];
const BACKENDS = [folder('backends', 'only a backend (and testing/) may import a backend')];
const TESTING = [folder('testing', 'testing/ is for users’ tests: nothing in src/ imports it')];

/** Restricts the imports of the files in `files` to what `patterns` leaves (and no rxjs internals). */
export const layer = (files, patterns, allowTypeImports = false) => ({
  files,
  rules: {
    'no-restricted-imports': 'off',
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['rxjs/internal', 'rxjs/internal/*'], message: 'import from the public rxjs entry points only' },
          ...patterns.map((pattern) => ({ ...pattern, ...(allowTypeImports && { allowTypeImports: true }) })),
        ],
      },
    ],
  },
});

export const boundaries = [
  // Everything in src/: the rxjs rule, and no import of testing/ (users import it, src/ does not).
  layer(['src/**/*.ts'], TESTING),
  // The contracts import nothing above them.
  layer(
    ['src/backend.ts', 'src/taskBackend.ts', 'src/limits.ts'],
    [
      ...ABOVE_ENGINE,
      folder('engine', 'a contract imports nothing above it'),
      folder('backends', 'a contract imports nothing above it'),
      folder('time', 'a contract imports nothing above it'),
      ...TESTING,
    ],
  ),
  // Errors import nothing but errors (types of the contract's data aside).
  layer(
    ['src/errors/**/*.ts'],
    [
      {
        regex: '^\\.\\./(?!errors/)',
        message: 'errors import nothing but errors (a type of the contract may be imported as a type)',
      },
    ],
    true,
  ),
  // Small helpers under everything.
  layer(
    ['src/internal/**/*.ts'],
    [...ABOVE_ENGINE, folder('engine', 'internal/ holds helpers below the engine'), ...BACKENDS, ...TESTING],
  ),
  // The engine: only the contracts, errors, time's types and helpers.
  layer(['src/engine/**/*.ts'], [...ABOVE_ENGINE, ...BACKENDS, ...TESTING]),
  layer(['src/time/**/*.ts'], [...ABOVE_ENGINE, ...BACKENDS, ...TESTING]),
  // Observables, operators (one layer: the reactive API) and the facade build on the engine.
  layer(
    ['src/observables/**/*.ts', 'src/operators/**/*.ts'],
    [folder('facade', 'the reactive API does not import the Promise facade'), ...BACKENDS, ...TESTING],
  ),
  layer(['src/facade/**/*.ts'], [...BACKENDS, ...TESTING]),
  // Backends carry out atomic steps: no engine, no observables, no other backend.
  layer(
    ['src/backends/memory/**/*.ts'],
    [
      ...ABOVE_ENGINE,
      folder('engine', 'a backend carries out atomic steps: it imports no engine'),
      folder('backends/redis', 'backends never import each other'),
      { regex: '^\\.\\./redis(/|$)', message: 'backends never import each other' },
      ...TESTING,
    ],
  ),
  layer(
    ['src/backends/redis/**/*.ts'],
    [
      ...ABOVE_ENGINE,
      folder('engine', 'a backend carries out atomic steps: it imports no engine'),
      folder('backends/memory', 'backends never import each other'),
      { regex: '^(\\.\\./)+memory(/|$)', message: 'backends never import each other' },
      ...TESTING,
    ],
  ),
  // The test backend wraps the memory backend, and nothing else.
  layer(['src/testing/**/*.ts'], [folder('backends/redis', 'the test backend wraps the memory backend only')]),
];
