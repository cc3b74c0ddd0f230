package io.latentstream.cli;

import picocli.CommandLine;

/** Version from the jar manifest (or "dev" when run from classes). */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"latentstream " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
    }
}
