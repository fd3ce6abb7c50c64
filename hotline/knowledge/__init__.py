"""The knowledge base (知识库): articles agents give on the call, kept by administrators."""
