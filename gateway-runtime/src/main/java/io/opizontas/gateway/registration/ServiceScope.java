package io.opizontas.gateway.registration;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The service names one caller may register and watch: glob patterns where {@code *} matches any run. */
final class ServiceScope {

  private final List<String> patterns;
  private final List<Pattern> compiled;

  ServiceScope(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    List<Pattern> result = new ArrayList<>(patterns.size());
    for (String pattern : patterns) {
      StringBuilder regex = new StringBuilder();
      for (String literal : pattern.split("\\*", -1)) {
        if (regex.length() > 0) {
          regex.append(".*");
        }
        regex.append(Pattern.quote(literal));
      }
      result.add(Pattern.compile(regex.toString()));
    }
    this.compiled = List.copyOf(result);
  }

  boolean permits(String service) {
    for (Pattern pattern : compiled) {
      if (pattern.matcher(service).matches()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return patterns.toString();
  }
}
