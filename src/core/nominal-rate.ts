/**
 * A rate to guess load time with before anything ran. Measured here: Mosquitto took ~3,100 connects/s
 * from one mqleak process, Aedes 1,300 (MQTT) to 6,800 (bare TCP) per second.
 */
export const NOMINAL_OPS_PER_SECOND = 2500;
