/** Topology: the topic plan and (later) the Kafka Streams topology factory and its processors. */
package io.latentstream.topology;
