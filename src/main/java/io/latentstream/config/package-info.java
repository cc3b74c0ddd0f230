/**
 * Configuration: one declaration of every setting ({@link io.latentstream.config.Settings}), loaded
 * from defaults, a file, the environment and flags, and validated at start naming the bad key.
 */
package io.latentstream.config;
