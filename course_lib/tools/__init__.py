"""The course's own tools, behind ``python -m course_lib COMMAND`` (:mod:`course_lib.tools.cli`).

Nothing here is part of a lesson, and ``import course_lib`` loads none of it:

- :mod:`~course_lib.tools.cli`: the command line (``doctor``, ``make-data``, ``notebooks``, ``bench``,
  ``student``, ``grade``, ``slides``, ``site``, ``setup-cell``, ``train-tinylm``, ``prompt-study``);
- :mod:`~course_lib.tools.make_data`: writes ``data/`` byte-identically;
- :mod:`~course_lib.tools.nbtools`: executes, cleans and checks the notebooks;
- :mod:`~course_lib.tools.bench`: the speed and memory figures against their targets;
- :mod:`~course_lib.tools.classroom`: student copies and slide structure;
- :mod:`~course_lib.tools.grading`: runs a class's submitted notebooks and reports their results;
- :mod:`~course_lib.tools.publish` and :mod:`~course_lib.tools.offline`: slide decks and the static
  site, and the check that they open offline.

Tools import the library and the widgets; neither imports a tool.
"""
