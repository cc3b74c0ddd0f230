/** Operations: the embedded KRaft broker (in-process and as a child JVM); later HTTP and metrics. */
package io.latentstream.ops;
