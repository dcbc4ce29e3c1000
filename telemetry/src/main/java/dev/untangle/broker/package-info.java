/** The in-process single-node KRaft Kafka broker used by the all-in-one run and by tests. */
package dev.untangle.broker;
