"""党员教育协作联盟: cities (or counties) of one installation sharing courses, lending teachers
and holding joint events, through the one scoping mechanism (`ScopeRules.shared`)."""
