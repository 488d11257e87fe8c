"""The answering core: content, analysis, BM25 retrieval and cited answers. Never imports telegram."""
