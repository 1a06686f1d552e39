// Entry point of the embedded broker child process (forked by launch-embedded.ts).
import { startAedesBroker } from './embedded-broker.js';
import { parsePortArgument, serveBrokerProcess } from './broker-process.js';

const broker = await startAedesBroker('127.0.0.1', parsePortArgument(process.argv, 0));
serveBrokerProcess(broker);
