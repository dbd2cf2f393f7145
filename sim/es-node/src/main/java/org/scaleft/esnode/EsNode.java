// es-node: starts one real Elasticsearch 7.10.2 node on 127.0.0.1 in this JVM and writes its URL to a file.
package org.scaleft.esnode;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.codelibs.elasticsearch.runner.node.ClusterRunnerNode;
import org.elasticsearch.Version;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.Plugin;
import org.scaleft.nodelauncher.Launcher;

public final class EsNode {
  // The open modules of the Elasticsearch distribution that the cluster-runner ships as jars. A node
  // started from a distribution loads these from modules/; here they are classpath plugins.
  private static final List<Class<? extends Plugin>> MODULES = List.of(
      org.elasticsearch.transport.Netty4Plugin.class,
      org.elasticsearch.index.mapper.MapperExtrasPlugin.class,
      org.elasticsearch.ingest.common.IngestCommonPlugin.class,
      org.elasticsearch.ingest.useragent.IngestUserAgentPlugin.class,
      org.elasticsearch.analysis.common.CommonAnalysisPlugin.class,
      org.elasticsearch.index.reindex.ReindexPlugin.class,
      org.elasticsearch.join.ParentJoinPlugin.class,
      org.elasticsearch.percolator.PercolatorPlugin.class,
      org.elasticsearch.painless.PainlessPlugin.class,
      org.elasticsearch.script.mustache.MustachePlugin.class,
      org.elasticsearch.script.expression.ExpressionPlugin.class,
      org.elasticsearch.index.rankeval.RankEvalPlugin.class,
      org.elasticsearch.plugin.repository.url.URLRepositoryPlugin.class,
      org.elasticsearch.search.aggregations.matrix.MatrixAggregationPlugin.class);

  private EsNode() {}

  public static void main(String[] args) throws Exception {
    Launcher launcher = new Launcher("es-node");
    Launcher.Options o = launcher.parse(args, EsNode.class);
    if (o == null) return;
    Settings.Builder settings = Settings.builder();
    launcher.node_settings(o).forEach(settings::put);
    Environment env = InternalSettingsPreparer.prepareEnvironment(
        settings.build(), java.util.Map.of(), o.dir.resolve("config"), () -> "es-node");
    LogConfigurator.registerErrorListener();
    LogConfigurator.setNodeName("es-node");
    LogConfigurator.configure(env);
    Node node = new ClusterRunnerNode(env, MODULES);
    launcher.run(o, new Launcher.NodeHandle() {
      public int start() throws Exception {
        node.start();
        return node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
      }

      public void close() throws Exception {
        node.close();
        node.awaitClose(30, TimeUnit.SECONDS);
      }
    }, "Elasticsearch " + Version.CURRENT);
  }
}
