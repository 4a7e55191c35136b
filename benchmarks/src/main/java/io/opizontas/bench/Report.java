package io.opizontas.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The run's figures as Markdown tables: direct against gateway, and the gateway's resources. */
final class Report {

  /**
   * One figure measured both ways, in rounds that alternate direct and gateway. {@code minRatio} is
   * the target for gateway / direct (NaN: none). The ratio is the median of the rounds' ratios: a
   * round's two runs are seconds apart, so they share whatever else the machine was doing.
   */
  record Comparison(String scenario, String metric, List<Double> direct, List<Double> gateway, double minRatio) {
    double directMedian() {
      return median(direct);
    }

    double gatewayMedian() {
      return median(gateway);
    }

    double ratio() {
      return Report.ratio(direct, gateway);
    }
  }

  /** The median of the rounds' {@code above / below}: same-index entries are one round. NaN if none. */
  static double ratio(List<Double> below, List<Double> above) {
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < Math.min(below.size(), above.size()); i++) {
      ratios.add(above.get(i) / below.get(i));
    }
    return median(ratios);
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  /** What the gateway process and the benchmark's own JVM used in one scenario. */
  record Resources(String scenario, ProcessWatch.Usage gateway, double benchCpuDirect, double benchCpuGateway) {}

  /** A target judged on something other than a ratio. */
  record Verdict(String target, String figure, boolean met) {}

  /**
   * What the gateway adds to a latency: per round, gateway minus direct; the median of those
   * differences is reported against {@code maxAdded} (NaN: no target), in the figure's unit.
   */
  record Added(String scenario, String metric, List<Double> direct, List<Double> gateway, double maxAdded) {
    double added() {
      return Report.added(direct, gateway);
    }
  }

  /** The median of the rounds' {@code above - below}: same-index entries are one round. NaN if none. */
  static double added(List<Double> below, List<Double> above) {
    List<Double> differences = new ArrayList<>();
    for (int i = 0; i < Math.min(below.size(), above.size()); i++) {
      differences.add(above.get(i) - below.get(i));
    }
    return median(differences);
  }

  /** A table of its own (CPU per call, the scaling curve): a title, a header, rows of cells. */
  record Table(String title, List<String> header, List<List<String>> rows) {}

  private final List<Comparison> comparisons = new ArrayList<>();
  private final List<Resources> resources = new ArrayList<>();
  private final List<Verdict> verdicts = new ArrayList<>();
  private final List<Added> added = new ArrayList<>();
  private final List<Table> tables = new ArrayList<>();
  private Table warmUps;

  void compare(String scenario, String metric, List<Double> direct, List<Double> gateway, double minRatio) {
    Comparison comparison = new Comparison(scenario, metric, direct, gateway, minRatio);
    comparisons.add(comparison);
    System.out.printf(Locale.ROOT, "  %-8s direct %s   gateway %s   ratio %.2f%n",
        metric, numbers(direct), numbers(gateway), comparison.ratio());
  }

  /** The ratio of a comparison this run has reported already, by its scenario and metric; NaN if none. */
  double ratio(String scenario, String metric) {
    return comparisons.stream()
        .filter(c -> c.scenario().equals(scenario) && c.metric().equals(metric))
        .mapToDouble(Comparison::ratio)
        .findFirst().orElse(Double.NaN);
  }

  void resources(String scenario, ProcessWatch.Usage gateway, double benchCpuDirect, double benchCpuGateway) {
    resources.add(new Resources(scenario, gateway, benchCpuDirect, benchCpuGateway));
    System.out.printf(Locale.ROOT, "  gateway RSS start %s, peak %s, end %s; gateway CPU %.1f s%n",
        mib(gateway.startKiB()), mib(gateway.maxKiB()), mib(gateway.endKiB()), gateway.cpuSeconds());
  }

  void added(String scenario, String metric, List<Double> direct, List<Double> gateway, double maxAdded) {
    Added row = new Added(scenario, metric, direct, gateway, maxAdded);
    added.add(row);
    System.out.printf(Locale.ROOT, "  added %s: %s%n", metric, number(row.added()));
  }

  /** Adds a table; its rows may still be appended to until the report is written. */
  Table table(String title, String... header) {
    Table table = new Table(title, List.of(header), new ArrayList<>());
    tables.add(table);
    return table;
  }

  /** Appends a row to {@code table}, and prints it as it comes. */
  void row(Table table, String... cells) {
    table.rows().add(List.of(cells));
    System.out.println("  " + String.join(" | ", cells));
  }

  /** Records how long one path's warm-up before a scenario took, and whether its rate became steady. */
  void warmedUp(String scenario, String path, String unit, WarmUp.Outcome outcome) {
    if (warmUps == null) {
      warmUps = table(String.format(Locale.ROOT, "Warm-ups: each path's unmeasured load before a scenario's rounds, until"
              + " its rate was steady (the last %d windows within %d %% of one another, with the JIT compiler threads of"
              + " the path's JVMs at most %d %% of a core over them, after the warm-up's minimum) or --warmup-max passed;"
              + " a window is %d s of load (for streams: back-to-back 256 MiB transfers, the last one ending the window).",
              WarmUp.STEADY_WINDOWS, WarmUp.TOLERANCE_PERCENT, WarmUp.QUIET_PERCENT, WarmUp.WINDOW.toSeconds()),
          "scenario", "path", "took", "steady", "last window", "JIT, last windows", "every window");
    }
    row(warmUps, scenario, path, String.format(Locale.ROOT, "%.1f s", outcome.took().toMillis() / 1000.0),
        outcome.steady() ? "yes" : "**no**", number(outcome.lastRate()) + " " + unit,
        Double.isNaN(outcome.lastCompiling()) ? "—" : String.format(Locale.ROOT, "%.1f %% of a core", outcome.lastCompiling()),
        numbers(outcome.rates()));
  }

  void verdict(String target, String figure, boolean met) {
    verdicts.add(new Verdict(target, figure, met));
    System.out.printf(Locale.ROOT, "  %s: %s -> %s%n", target, figure, met ? "met" : "MISSED");
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    if (!comparisons.isEmpty()) {
      out.append("Medians of the rounds; the ratio is the median of each round's gateway / direct.\n\n");
      out.append("| scenario | figure | direct | through the gateway | gateway / direct | target |\n");
      out.append("| --- | --- | ---: | ---: | ---: | --- |\n");
      for (Comparison c : comparisons) {
        String target = Double.isNaN(c.minRatio()) ? "" : String.format(Locale.ROOT, "≥ %.2f: %s", c.minRatio(),
            c.ratio() >= c.minRatio() ? "met" : "**missed**");
        out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %s |%n",
            c.scenario(), c.metric(), number(c.directMedian()), number(c.gatewayMedian()), c.ratio(), target));
      }
    }
    if (!added.isEmpty()) {
      out.append("\nWhat the gateway adds to a latency: per round, gateway minus direct; the median of those differences.\n\n");
      out.append("| scenario | figure | direct | through the gateway | added | target |\n");
      out.append("| --- | --- | ---: | ---: | ---: | --- |\n");
      for (Added a : added) {
        String target = Double.isNaN(a.maxAdded()) ? "" : String.format(Locale.ROOT, "≤ %s: %s", number(a.maxAdded()),
            a.added() <= a.maxAdded() ? "met" : "**missed**");
        out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", a.scenario(), a.metric(),
            number(median(a.direct())), number(median(a.gateway())), number(a.added()), target));
      }
    }
    if (!resources.isEmpty()) {
      out.append("\nThe gateway's memory (RSS sampled every 100 ms; peak is the kernel's VmHWM, reset at the start of each\n"
          + "run) and CPU time, in the gateway round with the highest peak; CPU of this JVM (client and backend) in that\n"
          + "round and the direct run before it:\n\n");
      out.append("| scenario | RSS start | 25 % | 50 % | 75 % | end | peak | gateway CPU | client + backend CPU, direct / via gateway |\n");
      out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
      for (Resources r : resources) {
        ProcessWatch.Usage g = r.gateway();
        out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %.1f s | %.1f s / %.1f s |%n",
            r.scenario(), mib(g.startKiB()), mib(g.atKiB(0.25)), mib(g.atKiB(0.5)), mib(g.atKiB(0.75)), mib(g.endKiB()),
            mib(g.maxKiB()), g.cpuSeconds(), r.benchCpuDirect(), r.benchCpuGateway()));
      }
    }
    if (!comparisons.isEmpty()) {
      out.append("\nEvery round, in the order run:\n\n| scenario | figure | direct | through the gateway |\n| --- | --- | --- | --- |\n");
      for (Comparison c : comparisons) {
        out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", c.scenario(), c.metric(), numbers(c.direct()),
            numbers(c.gateway())));
      }
    }
    for (Table t : tables) {
      out.append("\n").append(t.title()).append("\n\n| ").append(String.join(" | ", t.header())).append(" |\n|");
      out.append(" --- |".repeat(t.header().size())).append('\n');
      for (List<String> row : t.rows()) {
        out.append("| ").append(String.join(" | ", row)).append(" |\n");
      }
    }
    if (!verdicts.isEmpty()) {
      out.append("\n| target | figure | |\n| --- | --- | --- |\n");
      for (Verdict v : verdicts) {
        out.append(String.format(Locale.ROOT, "| %s | %s | %s |%n", v.target(), v.figure(), v.met() ? "met" : "**missed**"));
      }
    }
    return out.toString();
  }

  static String mib(long kib) {
    return kib < 0 ? "?" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
  }

  private static String numbers(List<Double> values) {
    return values.isEmpty() ? "—" : String.join(", ", values.stream().map(Report::number).toList());
  }

  static String number(double value) {
    if (Double.isNaN(value)) {
      return "—";
    }
    if (Math.abs(value) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    return String.format(Locale.ROOT, "%.1f", value);
  }
}
