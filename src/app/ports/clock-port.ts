/** Time as a port: the app asks, tests decide. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
