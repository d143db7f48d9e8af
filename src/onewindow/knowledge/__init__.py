"""知识库: the answers citizens and staff search (咨询答疑库), feedback on them and the questions
that found nothing."""
