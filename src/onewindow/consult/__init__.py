"""咨询: consultation records across channels, online questions (留言咨询) and online human
service (在线人工客服)."""
