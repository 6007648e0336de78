// GraphiQL from the app's own copies of React and GraphiQL (never a CDN); no inline script.
(function () {
  "use strict";
  const root = document.getElementById("graphiql");
  const fetcher = window.GraphiQL.createFetcher({ url: root.dataset.endpoint });
  const props = { fetcher, defaultEditorToolsVisibility: true };
  window.ReactDOM.createRoot(root).render(window.React.createElement(window.GraphiQL, props));
})();
