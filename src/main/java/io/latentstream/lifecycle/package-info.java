/**
 * Model lifecycle in Kafka: the models topic layout, the catalog of versions, the watcher that
 * verifies and swaps models in the processor, and publishing / rollback.
 */
package io.latentstream.lifecycle;
