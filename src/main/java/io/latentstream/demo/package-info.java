/** The demo: a synthetic multi-sensor source with labelled injected anomalies, and the demo runner. */
package io.latentstream.demo;
