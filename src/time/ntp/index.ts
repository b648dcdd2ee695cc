/* NTP clock source: needs the optional peer dependency ntp-time-sync */
export { ntpClock } from './ntpClock.js';
export { DEFAULT_NTP_CLOCK_OPTIONS } from './ntpClockOptions.js';
export type { NtpClockOptions } from './ntpClockOptions.js';
