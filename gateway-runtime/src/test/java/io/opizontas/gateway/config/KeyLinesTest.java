package io.opizontas.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.opizontas.gateway.api.TomlKeys;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyLinesTest {

  private static final String DOCUMENT =
      """
      # 1
      title = '''
      it's "quoted" ''and'' spans
      lines''''
      [server]                                  # 5
      listen = "127.0.0.1:1"  # a "comment" = 1
      [[a]]                                     # 7
      x = 1
      [[a.b]]                                   # 9
      y = \"""tricky \\\""" still open
      \"""
      [[a]]                                     # 12
      [[a.b]]                                   # 13
      [[a.b]]                                   # 14
      z = { p = 1, "q.r" = [
      ] }
      list = [
        "one",
        { w = 1 },                              # 19
      ]
      'lit.key'.bare = 2                        # 21
      """;

  private final KeyLines lines = KeyLines.scan(DOCUMENT);

  @Test
  void theDocumentIsTomlAsJacksonReadsIt() throws Exception {
    // The scanner only ever sees text Jackson accepted; so must this test.
    JsonNode tree = new TomlMapper().readTree(DOCUMENT);
    assertThat(tree.at("/title").asText()).isEqualTo("it's \"quoted\" ''and'' spans\nlines'");
    assertThat(tree.at("/a/1/b/1/lit.key/bare").asInt()).isEqualTo(2);
  }

  @Test
  void keysAfterMultiLineStringsAndCommentsKeepTheirLines() {
    assertThat(lines.lineOf(List.of("title"))).isEqualTo(2);
    assertThat(lines.lineOf(List.of("server"))).isEqualTo(5);
    assertThat(lines.lineOf(List.of("server", "listen"))).isEqualTo(6);
  }

  @Test
  void arraysOfTablesAreIndexedAlsoWhenNested() {
    assertThat(lines.lineOf(List.of("a", "0"))).isEqualTo(7);
    assertThat(lines.lineOf(List.of("a", "0", "x"))).isEqualTo(8);
    assertThat(lines.lineOf(List.of("a", "0", "b", "0", "y"))).isEqualTo(10);
    assertThat(lines.lineOf(List.of("a", "1"))).isEqualTo(12);
    assertThat(lines.lineOf(List.of("a", "1", "b", "0"))).isEqualTo(13);
    assertThat(lines.lineOf(List.of("a", "1", "b", "1"))).isEqualTo(14);
  }

  @Test
  void inlineTablesArrayElementsAndQuotedKeys() {
    assertThat(lines.lineOf(List.of("a", "1", "b", "1", "z", "q.r"))).isEqualTo(15);
    assertThat(lines.lineOf(List.of("a", "1", "b", "1", "list", "1", "w"))).isEqualTo(19);
    assertThat(lines.lineOf(List.of("a", "1", "b", "1", "lit.key", "bare"))).isEqualTo(21);
  }

  @Test
  void anUnwrittenPathTakesItsNearestWrittenAncestorsLine() {
    assertThat(lines.lineOf(List.of("server", "not-written"))).isEqualTo(5);
    assertThat(lines.lineOf(List.of("nowhere"))).isZero();
  }

  @Test
  void dottedQuotesWhatIsNotABareKey() {
    assertThat(TomlKeys.dotted(List.of("registries", "0", "services", "helloworld.Greeter")))
        .isEqualTo("registries.0.services.\"helloworld.Greeter\"");
    assertThat(TomlKeys.dotted(List.of("a b", "say \"hi\""))).isEqualTo("\"a b\".\"say \\\"hi\\\"\"");
  }

  @Test
  void aFaultPastACompleteValueBelongsToThatValuesKey() {
    // Jackson reports a duplicate key where its lexer stopped: the start of the next statement.
    assertThat(KeyLines.fault("a = 1\na = 2\n\nb = 3\n", 4, 1))
        .isEqualTo(new KeyLines.Fault(2, List.of("a")));
    assertThat(KeyLines.fault("x = [1, 2\n", 2, 1)).isEqualTo(new KeyLines.Fault(1, List.of("x")));
  }

  @Test
  void aFaultAtAStrayTokenBelongsToItsOwnLine() {
    assertThat(KeyLines.fault("[s]\n= 1\n", 2, 1)).isEqualTo(new KeyLines.Fault(2, List.of()));
    assertThat(KeyLines.fault("[s]\nbad = \n", 2, 7)).isEqualTo(new KeyLines.Fault(2, List.of("s", "bad")));
    assertThat(KeyLines.fault("[s]\n[t]\n[s]\n", 3, 3)).isEqualTo(new KeyLines.Fault(3, List.of("s")));
  }
}
