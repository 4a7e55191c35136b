package io.opizontas.gateway.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4 (the Java client has no parser): every line
 * must be a HELP, a TYPE or a sample of the family its TYPE line announced, label values must be
 * escaped correctly, values must be numbers, and no series may appear twice. Anything else fails.
 */
public final class PrometheusText {

  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern SAMPLE = Pattern.compile(
      "(" + NAME + ")(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*)\\})? "
          + "([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final Map<String, Double> samples;
  private final Map<String, String> types;

  private PrometheusText(Map<String, Double> samples, Map<String, String> types) {
    this.samples = samples;
    this.types = types;
  }

  public static PrometheusText parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition does not end with a newline");
    }
    Map<String, Double> samples = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    String family = null;
    String type = null;
    int number = 0;
    for (String line : text.split("\n", -1)) {
      number++;
      if (line.isEmpty() && number == text.split("\n", -1).length) {
        break;
      }
      Matcher m;
      if ((m = HELP.matcher(line)).matches()) {
        continue;
      }
      if ((m = TYPE.matcher(line)).matches()) {
        family = m.group(1);
        type = m.group(2);
        if (types.put(family, type) != null) {
          throw new AssertionError("line " + number + ": family " + family + " is typed twice");
        }
        continue;
      }
      m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("line " + number + " is not HELP, TYPE or a sample: " + line);
      }
      String name = m.group(1);
      if (family == null || !belongs(name, family, type)) {
        throw new AssertionError("line " + number + ": sample " + name + " outside its family (" + family + ")");
      }
      String key = key(name, m.group(2));
      double value = switch (m.group(3)) {
        case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(m.group(3));
      };
      if (samples.put(key, value) != null) {
        throw new AssertionError("line " + number + ": series " + key + " appears twice");
      }
    }
    return new PrometheusText(samples, types);
  }

  private static boolean belongs(String name, String family, String type) {
    if (name.equals(family)) {
      return true;
    }
    return switch (type) {
      case "histogram" -> name.equals(family + "_bucket") || name.equals(family + "_sum") || name.equals(family + "_count");
      case "summary" -> name.equals(family + "_sum") || name.equals(family + "_count");
      default -> false;
    };
  }

  /** {@code name{a="1",b="2"}} with labels sorted, as {@link #value} looks series up. */
  private static String key(String name, String labels) {
    Map<String, String> sorted = new TreeMap<>();
    if (labels != null) {
      Matcher m = LABEL.matcher(labels);
      while (m.find()) {
        sorted.put(m.group(1), m.group(2));
      }
    }
    StringBuilder key = new StringBuilder(name).append('{');
    sorted.forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
    return key.append('}').toString();
  }

  /** The value of the series {@code name} with exactly {@code labels} (name, value, ...); null when absent. */
  public Double value(String name, String... labels) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      text.append(labels[i]).append("=\"").append(labels[i + 1]).append("\",");
    }
    return samples.get(key(name, text.toString()));
  }

  /** The type a family was announced with; null when absent. */
  public String type(String family) {
    return types.get(family);
  }

  /** Every series, {@code name{labels}} to value. */
  public Map<String, Double> samples() {
    return samples;
  }
}
