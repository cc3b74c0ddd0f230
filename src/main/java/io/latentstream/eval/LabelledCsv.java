package io.latentstream.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A labelled CSV file in the {@code ../shared/data} layout: a header row, numeric feature
 * columns, optionally a context column (strings), a label column (0 normal, 1 anomaly) and a
 * {@code ts} column (event time: never a feature). Every problem is reported with file, line and column.
 *
 * <p>Parsed by hand (a split on commas with double-quote support) rather than with a CSV
 * library: the same small splitter serves the stream's {@code csv} input format, where speed
 * and exact error positions matter more than dialect coverage.
 */
public record LabelledCsv(Path file, List<String> features, double[][] x, String[] contexts, String contextColumn,
                          int[] labels, EventTimes eventTimes) {

    /**
     * The {@code ts} column read as event time, epoch milliseconds per row ({@code millis} null when
     * the file has no such column, or when a value is not a time: then {@code ignoredBecause} says
     * which). The demo's replay streams it as the readings' event time and {@code train} records its
     * range as the training period; neither needs it, so a {@code ts} column in another notation
     * must not stop them.
     */
    public record EventTimes(long[] millis, String ignoredBecause) {
        public boolean present() {
            return millis != null;
        }
    }

    public int rows() {
        return x.length;
    }

    public boolean labelled() {
        return labels != null;
    }

    /** A problem in the file, with position. */
    public static final class CsvException extends IOException {
        public CsvException(String message) {
            super(message);
        }
    }

    public static LabelledCsv read(Path file, String contextColumn, String labelColumn) throws IOException {
        return read(file, contextColumn, labelColumn, java.util.Set.of());
    }

    /** @param ignored columns that are neither features nor context (e.g. a context a model should not see) */
    public static LabelledCsv read(Path file, String contextColumn, String labelColumn, java.util.Set<String> ignored) throws IOException {
        return read(file, contextColumn, labelColumn, ignored, false);
    }

    /**
     * @param missingAsNaN an empty feature cell or "NaN" is a missing reading, NaN in {@link #x()} (for
     *                     scoring with the model imputing it; training needs every value)
     */
    public static LabelledCsv read(Path file, String contextColumn, String labelColumn, java.util.Set<String> ignored,
                                   boolean missingAsNaN) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CsvException(file + ": file not found");
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String headerLine = r.readLine();
            if (headerLine == null || headerLine.isBlank()) {
                throw new CsvException(file + ":1: empty file (expected a header row)");
            }
            List<String> header = split(headerLine.replace("\uFEFF", ""));
            int ctxIdx = -1;
            int labelIdx = -1;
            int tsIdx = -1;
            List<Integer> featureIdx = new ArrayList<>();
            List<String> featureNames = new ArrayList<>();
            for (int i = 0; i < header.size(); i++) {
                String h = header.get(i).trim();
                if (h.equals(contextColumn)) {
                    ctxIdx = i;
                } else if (h.equals(labelColumn)) {
                    labelIdx = i;
                } else if (h.equals("ts")) {
                    tsIdx = i; // event time: not a feature
                } else if (ignored.contains(h)) {
                    continue;
                } else {
                    featureIdx.add(i);
                    featureNames.add(h);
                }
            }
            if (contextColumn != null && ctxIdx < 0) {
                throw new CsvException(file + ":1: no context column '" + contextColumn + "' in header " + header);
            }
            if (featureIdx.isEmpty()) {
                throw new CsvException(file + ":1: no feature columns in header " + header);
            }
            checkHeader(file, header, featureIdx, featureNames);
            List<double[]> rows = new ArrayList<>();
            List<String> ctx = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            List<Long> times = tsIdx >= 0 ? new ArrayList<>() : null;
            String timesIgnored = null;
            String line;
            int lineNo = 1;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                List<String> f = split(line);
                if (f.size() != header.size()) {
                    throw new CsvException(file + ":" + lineNo + ": " + f.size() + " fields, the header has " + header.size());
                }
                double[] row = new double[featureIdx.size()];
                for (int j = 0; j < row.length; j++) {
                    int col = featureIdx.get(j);
                    String cell = f.get(col).trim();
                    row[j] = missingAsNaN && (cell.isEmpty() || cell.equalsIgnoreCase("nan")) ? Double.NaN
                            : number(cell, file, lineNo, col, header.get(col));
                }
                rows.add(row);
                if (ctxIdx >= 0) {
                    String c = f.get(ctxIdx).trim();
                    if (c.isEmpty()) {
                        throw new CsvException(position(file, lineNo, ctxIdx, header.get(ctxIdx)) + ": empty context");
                    }
                    ctx.add(c);
                }
                if (labelIdx >= 0) {
                    String l = f.get(labelIdx).trim();
                    if (!l.equals("0") && !l.equals("1")) {
                        throw new CsvException(position(file, lineNo, labelIdx, header.get(labelIdx))
                                + ": label must be 0 or 1, got '" + l + "'");
                    }
                    labels.add(l.equals("1") ? 1 : 0);
                }
                if (times != null) {
                    String t = f.get(tsIdx).trim();
                    Long ms = io.latentstream.codec.EventTime.parse(t);
                    if (ms == null) {
                        timesIgnored = position(file, lineNo, tsIdx, header.get(tsIdx)) + ": '" + abbreviate(t)
                                + "' is not an ISO-8601 instant (1974-06-13T00:00:00Z), date (1974-06-13) or epoch milliseconds";
                        times = null;
                    } else {
                        times.add(ms);
                    }
                }
            }
            if (rows.isEmpty()) {
                throw new CsvException(file + ": no data rows after the header");
            }
            return new LabelledCsv(file, featureNames, rows.toArray(new double[0][]),
                    ctxIdx >= 0 ? ctx.toArray(new String[0]) : null, ctxIdx >= 0 ? contextColumn : null,
                    labelIdx >= 0 ? labels.stream().mapToInt(Integer::intValue).toArray() : null,
                    times != null ? new EventTimes(times.stream().mapToLong(Long::longValue).toArray(), null)
                            : new EventTimes(null, timesIgnored));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /**
     * Feature names must be unique and non-blank: they name the JSON object fields the processor
     * reads and the features a score record blames. A first line of numbers is data, not names:
     * read as a header it would lose that row and name the features after its values.
     */
    private static void checkHeader(Path file, List<String> header, List<Integer> featureIdx, List<String> names)
            throws CsvException {
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int j = 0; j < names.size(); j++) {
            int col = featureIdx.get(j);
            if (names.get(j).isEmpty()) {
                throw new CsvException(file + ":1: column " + (col + 1) + " has no name; every column needs one");
            }
            Integer first = seen.putIfAbsent(names.get(j), col);
            if (first != null) {
                throw new CsvException(file + ":1: columns " + (first + 1) + " and " + (col + 1) + " are both named '"
                        + names.get(j) + "'; feature names must be unique");
            }
        }
        if (names.stream().allMatch(LabelledCsv::isNumber) && !isColumnNumbering(names)) {
            throw new CsvException(file + ":1: the first line " + header + " holds numbers, not column names: the file needs a "
                    + "header row naming the columns (e.g. " + String.join(",",
                    java.util.stream.IntStream.range(0, Math.min(3, header.size())).mapToObj(i -> "f" + i).toList())
                    + (header.size() > 3 ? ",..." : "") + ")");
        }
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** 0,1,2,… or 1,2,3,…: how pandas and spreadsheets name unnamed columns, so a real header. */
    private static boolean isColumnNumbering(List<String> names) {
        for (int start = 0; start <= 1; start++) {
            boolean all = true;
            for (int j = 0; j < names.size() && all; j++) {
                all = names.get(j).equals(Integer.toString(start + j));
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    private static double number(String s, Path file, int line, int col, String name) throws CsvException {
        String t = s.trim();
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new CsvException(position(file, line, col, name) + ": '" + t + "' is not a number");
        }
        if (!Double.isFinite(v) || t.equalsIgnoreCase("nan")) {
            throw new CsvException(position(file, line, col, name) + ": '" + t + "' is not a finite number");
        }
        return v;
    }

    private static String position(Path file, int line, int col, String name) {
        return file + ":" + line + ": column " + (col + 1) + " (" + name + ")";
    }

    /** Splits one CSV line on commas; fields may be double-quoted ("" is a quote inside). */
    public static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else if (ch != '\r') {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /** The rows at these indices, as a new table. */
    public LabelledCsv subset(int[] idx) {
        double[][] sx = new double[idx.length][];
        String[] sc = contexts == null ? null : new String[idx.length];
        int[] sl = labels == null ? null : new int[idx.length];
        long[] st = eventTimes.present() ? new long[idx.length] : null;
        for (int i = 0; i < idx.length; i++) {
            if (st != null) {
                st[i] = eventTimes.millis()[idx[i]];
            }
            sx[i] = x[idx[i]];
            if (sc != null) {
                sc[i] = contexts[idx[i]];
            }
            if (sl != null) {
                sl[i] = labels[idx[i]];
            }
        }
        return new LabelledCsv(file, features, sx, sc, contextColumn, sl,
                st != null ? new EventTimes(st, null) : eventTimes);
    }
}
