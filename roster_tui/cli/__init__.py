"""The ``roster`` command: the console by default; ``serve``, ``import``, ``export``, ``template``, ``remove``,
``seed``, ``token``, ``db``."""
