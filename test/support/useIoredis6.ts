/**
 * Set up by the `-ioredis6` jest projects (jest.config.js): the processes a spec spawns inherit
 * this variable and load the same ioredis major as the spec (test/support/ioredis.ts).
 */
process.env['RX_SYNC_TEST_IOREDIS'] = 'ioredis6';
