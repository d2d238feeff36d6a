from storyfilm.cli import main

raise SystemExit(main())
