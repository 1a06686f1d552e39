import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// A private Apache ActiveMQ (Debian's `activemq` 5.17) for the tests: its own folder under the system's temporary
// one, an MQTT connector on the given 127.0.0.1 port and no other (no OpenWire, no JMX, no persistence, so no data
// files either). The command runs ActiveMQ's own launcher class in the foreground (`start`), so `--spawn` holds the
// JVM itself and stops it by its PID. ActiveMQ's MQTT transport answers CONNECT only with Debian's
// libmqtt-client-java and the hawtdispatch and hawtbuf jars on its classpath: without them every CONNECT times out.

const ACTIVEMQ_HOME = '/usr/share/activemq';
const MQTT_JARS = ['mqtt-client', 'hawtdispatch', 'hawtdispatch-transport', 'hawtbuf'].map(
  (name) => `/usr/share/java/${name}.jar`,
);

function brokerXml(port: number, data: string): string {
  return `<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="mqleak-test" useJmx="false"
          persistent="false" advisorySupport="false" dataDirectory="${data}">
    <transportConnectors>
      <transportConnector name="mqtt" uri="mqtt://127.0.0.1:${port}"/>
    </transportConnectors>
  </broker>
</beans>
`;
}

export interface ActivemqInstance {
  /** The `java …` command that runs it in the foreground (for --spawn). */
  command: string;
  /** Removes the instance's folder (once the broker stopped). */
  remove(): Promise<void>;
}

/** Writes the instance's folder (configuration, empty data folder) and gives the command that runs it. */
export async function activemqInstance(port: number): Promise<ActivemqInstance> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'mqleak-activemq-'));
  const conf = path.join(base, 'conf');
  const data = path.join(base, 'data');
  await mkdir(conf);
  await mkdir(data);
  const xml = path.join(conf, 'activemq.xml');
  await writeFile(xml, brokerXml(port, data));
  const command = [
    'java',
    // A small heap: the test's load needs little, and a small heap keeps each full GC short.
    '-Xms64m',
    '-Xmx256m',
    `-Dactivemq.classpath=${MQTT_JARS.join(':')}`,
    `-Dactivemq.home=${ACTIVEMQ_HOME}`,
    `-Dactivemq.base=${base}`,
    `-Dactivemq.conf=${conf}`,
    `-Dactivemq.data=${data}`,
    '-jar',
    `${ACTIVEMQ_HOME}/bin/activemq.jar`,
    'start',
    `xbean:file:${xml}`,
  ].join(' ');
  return { command, remove: () => rm(base, { recursive: true, force: true }) };
}
